/** The cluster config: load, validate, and the JSON Schema of the file. */
export {
  ConfigError,
  type ConfigIssue,
  formatIssues,
  loadConfig,
  type LoadedConfig,
  parseConfig,
} from "./load.ts";
export { type ClusterConfig, ConfigSchema, type NodeConfig } from "./schema.ts";
export { configJsonSchema } from "./json_schema.ts";
