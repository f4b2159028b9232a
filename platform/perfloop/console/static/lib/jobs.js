// Following a job (docs/jobs.md): the `jobProgress` subscription over a WebSocket on
// /graphql (graphql-transport-ws; the token in connection_init's payload, since a
// browser cannot set a WebSocket's headers), and polling `job` every second when
// the socket cannot be had or breaks before the job ends.
//
//   const stop = followJob(id, (job) => …);   // every state until the job has ended
import { GRAPHQL_URL, gql } from "./api.js";
import { getToken } from "./session.js";

const FIELDS = "id status done total result error { message path }";
const JOB = `query Job($id: ID!) { job(id: $id) { ${FIELDS} } }`;
const PROGRESS = `subscription Progress($id: ID!) { jobProgress(id: $id) { ${FIELDS} } }`;
const ended = (job) => !job || ["SUCCEEDED", "FAILED"].includes(job.status);

function poll(id, onJob, live) {
  const next = async () => {
    const data = await gql(JOB, { id }).catch(() => null);
    if (!live.on) return;
    if (data) onJob(data.job);
    if (!data || !ended(data.job)) setTimeout(next, 1000);
  };
  next();
}

export function followJob(id, onJob) {
  const live = { on: true };
  let done = false;
  let socket;
  const fallBack = () => {
    if (!live.on || done) return;
    done = true; // from here on the poll follows the job
    poll(id, onJob, live);
  };
  try {
    const url = new URL(GRAPHQL_URL);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(url, "graphql-transport-ws");
  } catch {
    fallBack();
    return () => { live.on = false; };
  }
  socket.onopen = () =>
    socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${getToken()}` } }));
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "connection_ack") {
      socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: PROGRESS, variables: { id } } }));
    } else if (message.type === "next" && live.on) {
      const job = message.payload?.data?.jobProgress ?? null;
      onJob(job);
      done = ended(job);
    } else if (message.type === "complete" || message.type === "error") {
      if (message.type === "error") fallBack();
      done = true;
      socket.close();
    } else if (message.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
    }
  };
  socket.onerror = () => fallBack();
  socket.onclose = () => fallBack();
  return () => {
    live.on = false;
    socket.close();
  };
}
