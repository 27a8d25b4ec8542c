// @langchain/langgraph-checkpoint-validation against StowageSaver on the libsql driver.
import { runCheckpointKit } from "./kit.ts";

runCheckpointKit("libsql");
