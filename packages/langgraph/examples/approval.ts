// Runnable: a LangGraph graph that pauses for a human decision, persisted by StowageSaver on an
// SQLite file, and resumed by a second process.
//   node --conditions=@stowage/source packages/langgraph/examples/approval.ts start ./approval.db
//   node --conditions=@stowage/source packages/langgraph/examples/approval.ts resume ./approval.db yes
// (With the published packages: `node approval.ts start ./approval.db`.) Its test runs both steps
// as two separate processes.
import { Annotation, Command, END, interrupt, START, StateGraph } from "@langchain/langgraph";
import { openStore } from "@stowage/core";
import { StowageSaver } from "@stowage/langgraph";

const State = Annotation.Root({
  request: Annotation<string>,
  approved: Annotation<boolean>,
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

function buildGraph(checkpointer: StowageSaver) {
  return new StateGraph(State)
    .addNode("draft", (s) => ({ log: [`drafted a reply to "${s.request}"`] }))
    .addNode("review", () => {
      const answer = interrupt("send the reply?") as string;
      return { approved: answer === "yes", log: [`reviewer said ${answer}`] };
    })
    .addNode("send", (s) => ({ log: [s.approved ? "reply sent" : "reply discarded"] }))
    .addEdge(START, "draft")
    .addEdge("draft", "review")
    .addEdge("review", "send")
    .addEdge("send", END)
    .compile({ checkpointer });
}

const thread = { configurable: { thread_id: "ticket-42" } };

/** First process: runs until the graph asks for a decision, then exits. */
export async function start(file: string, log: (line: string) => void = console.log): Promise<void> {
  const store = await openStore(`file:${file}`);
  try {
    const graph = buildGraph(new StowageSaver(store));
    await graph.invoke({ request: "refund for order 42" }, thread);
    const state = await graph.getState(thread);
    log(`paused before ${state.next.join(", ")}: ${state.tasks[0]?.interrupts[0]?.value}`);
  } finally {
    await store.close();
  }
}

/** Second process: a fresh graph over the same file picks the thread up where it stopped. */
export async function resume(file: string, answer: string, log: (line: string) => void = console.log): Promise<void> {
  const store = await openStore(`file:${file}`);
  try {
    const saver = new StowageSaver(store);
    const graph = buildGraph(saver);
    const result = await graph.invoke(new Command({ resume: answer }), thread);
    log(result.log.join(" → "));
    let checkpoints = 0;
    for await (const _ of saver.list(thread)) checkpoints++;
    log(`${checkpoints} checkpoints in thread ${thread.configurable.thread_id}`);
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, file = "./approval.db", answer = "yes"] = process.argv.slice(2);
  if (command === "start") await start(file);
  else if (command === "resume") await resume(file, answer);
  else console.error("usage: approval.ts start|resume <file.db> [answer]");
}
