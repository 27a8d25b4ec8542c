export * from "./errors.ts";
export type * from "./spi.ts";
export type * from "./types.ts";
export { decodeProps, decodeValue, encodeProps, encodeValue, mergeEncodedProps, utf8Length } from "./codec.ts";
export type { CodecOptions } from "./codec.ts";
export { checkKey, checkName, compareEdgeKeys, compareUtf8, MAX_KEY_BYTES, NAME_PATTERN } from "./validate.ts";
export { createStore, decodeEdge, decodeNode, DEFAULT_MAX_VALUE_BYTES } from "./store.ts";
export { comparePaths, fetchLevelWith, findPaths, shortestPath, traverse, walkLevels, DEFAULT_MAX_NODES, DEFAULT_MAX_PATHS, MAX_DEPTH } from "./traversal.ts";
export type { FetchLevel, RecordPath } from "./traversal.ts";
export { openStore, registerDriver } from "./open.ts";
export { exportRecords, importRecords, migrate, formatRecord, parseLine, parseRecord, EXPORT_FORMAT, EXPORT_VERSION } from "./transfer.ts";
export type { ExportEnd, ExportRecord, ExportOptions, ImportOptions } from "./transfer.ts";
export { decodeVector, VectorRecordChecker } from "./transfer-vectors.ts";
export type { VectorExportRecord } from "./transfer-vectors.ts";
export type * from "./vector-types.ts";
export {
  bruteForceTopK,
  bytesToFloat32,
  checkFilter,
  compareHits,
  float32ToBytes,
  matchesFilter,
  rankRecords,
  toFloat32,
  vectorScore,
  MAX_FILTER_CONDITIONS,
  MAX_FILTER_VALUES,
  MAX_VECTOR_DIMS,
  MAX_VECTOR_K,
  VECTOR_METRICS,
} from "./vectors.ts";
export { CircuitBreaker, CircuitOpenError, DEFAULT_COOL_DOWN_MS, DEFAULT_FAILURE_THRESHOLD } from "./breaker.ts";
export { OPERATION_CHANNEL } from "./observe.ts";
export type { OperationContext } from "./observe.ts";
