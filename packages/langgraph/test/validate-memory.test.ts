// @langchain/langgraph-checkpoint-validation against StowageSaver on the memory driver.
import { runCheckpointKit } from "./kit.ts";

runCheckpointKit("memory");
