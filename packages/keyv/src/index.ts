export { KeyvStowage } from "./adapter.ts";
export type { KeyvEntryInput, KeyvStowageOptions, KeyvStowageOpts } from "./adapter.ts";
