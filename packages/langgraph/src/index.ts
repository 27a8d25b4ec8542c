export { DEFAULT_CHECKPOINT_NAMESPACE, StowageSaver } from "./saver.ts";
export type { StowageSaverOptions } from "./saver.ts";
