// @langchain/langgraph-checkpoint-validation against StowageSaver on the redis driver.
import { runCheckpointKit } from "./kit.ts";

runCheckpointKit("redis");
