export { DEFAULT_CHECKPOINT_NAMESPACE, StowageSaver } from "./saver.ts";
export type { StowageSaverOptions } from "./saver.ts";
export { DEFAULT_STORE_NAMESPACE, StowageStore } from "./store.ts";
export type { StowageStoreOptions } from "./store.ts";
