// @langchain/langgraph-checkpoint-validation against StowageSaver on the postgres driver.
import { runCheckpointKit } from "./kit.ts";

runCheckpointKit("postgres");
