// Following a job (a scoring run, a company-wide refresh): the `jobProgress`
// subscription over a WebSocket on /graphql (graphql-transport-ws, the token in
// `connection_init`, as docs/jobs.md says), and, when the socket cannot be had or
// breaks, the `job(id)` query once a second instead.
//
//   const stop = followJob(id, (job, via) => …);   // via: "socket" | "poll"
//   stop();                                          // unsubscribe (on unmount)
//
// onState gets each state the server sends, then the last one (SUCCEEDED or
// FAILED; null for a job the caller may not read) and nothing after.
import { GRAPHQL_URL, gql } from "./api.js";
import { getToken } from "./session.js";

export const JOB_FIELDS = "id kind status done total result error { code message } startedAt finishedAt";
const JOB_QUERY = `query Job($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;
const JOB_PROGRESS = `subscription JobProgress($id: ID!) { jobProgress(id: $id) { ${JOB_FIELDS} } }`;
const PROTOCOL = "graphql-transport-ws";

/** Whether a job state is its last one (ended, or not readable at all). */
export function jobEnded(job) {
  return job == null || job.status === "SUCCEEDED" || job.status === "FAILED";
}

/** The WebSocket address of the GraphQL endpoint (ws: or wss: as the page). */
export function socketUrl() {
  const url = new URL(GRAPHQL_URL);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url;
}

/**
 * Follow job id: onState(job, via) for each state; onError(error) when even the
 * polling fails (it keeps trying). Returns stop().
 */
export function followJob(id, onState, { onError = () => {}, pollEvery = 1000, socket: useSocket = true } = {}) {
  let stopped = false;
  let ended = false;
  let polling = false;
  let socket = null;
  let timer = null;

  const deliver = (job, via) => {
    if (stopped || ended) return;
    if (jobEnded(job)) ended = true;
    onState(job, via);
  };

  const poll = async () => {
    if (stopped || ended) return;
    try {
      const data = await gql(JOB_QUERY, { id });
      deliver(data.job, "poll");
    } catch (error) {
      if (!stopped) onError(error);
    }
    if (!stopped && !ended) timer = setTimeout(poll, pollEvery);
  };

  const fallBack = () => {
    if (polling || stopped || ended) return;
    polling = true;
    if (socket && socket.readyState <= 1) socket.close(1000);
    socket = null;
    poll();
  };

  if (!useSocket || typeof WebSocket === "undefined") {
    fallBack();
  } else {
    try {
      socket = new WebSocket(socketUrl(), PROTOCOL);
    } catch {
      fallBack();
    }
  }
  if (socket) {
    const send = (message) => socket?.readyState === 1 && socket.send(JSON.stringify(message));
    socket.onopen = () => {
      const token = getToken();
      send({ type: "connection_init", payload: token ? { Authorization: `Bearer ${token}` } : {} });
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        fallBack();
        return;
      }
      if (message.type === "connection_ack") {
        send({ id: "job", type: "subscribe", payload: { query: JOB_PROGRESS, variables: { id } } });
      } else if (message.type === "ping") {
        send({ type: "pong" });
      } else if (message.type === "next") {
        if (message.payload?.errors?.length) fallBack(); // polling says the error plainly
        else deliver(message.payload?.data?.jobProgress ?? null, "socket");
      } else if (message.type === "error") {
        fallBack();
      } else if (message.type === "complete") {
        if (!ended) fallBack();
        else socket?.close(1000);
      }
    };
    socket.onclose = () => {
      if (!ended && !stopped) fallBack();
    };
  }

  return () => {
    stopped = true;
    clearTimeout(timer);
    if (socket && socket.readyState <= 1) socket.close(1000);
  };
}
