// A person's feedback meetings (绩效面谈) of a cycle: the ones recorded
// (`feedbackMeetings`, for feedback.read) and recording one (`recordFeedbackMeeting`,
// for feedback.write: the person's managers, head or HR) with the date, the notes
// and agreed actions; the API's errors under the field they name.
//
//   html`<${FeedbackMeetings} viewer=${viewer} cycle=${cycleId} employee=${employeeId} />`
import { useAction, unplaced } from "./actions.js";
import { ERROR_FIELDS, errorsAt, mutate } from "./api.js";
import { formatDateTime, t } from "./i18n.js";
import { html, useState } from "./preact.js";
import { can } from "./session.js";
import { ErrorBox, FieldErrors, Loading, useQuery } from "./ui.js";

const MEETINGS = `query FeedbackMeetings($cycle: ID!, $employee: ID) {
  feedbackMeetings(cycle: $cycle, employee: $employee, first: 20) {
    edges { node { id resultVersion heldOn notes recordedBy recordedAt actions { title owner due } } }
  }
}`;

const RECORD = `mutation RecordFeedback($cycle: ID!, $employee: ID!, $heldOn: Date!, $notes: String!, $actions: [AgreedActionInput!]) {
  recordFeedbackMeeting(cycle: $cycle, employee: $employee, heldOn: $heldOn, notes: $notes, actions: $actions) {
    meeting { id } ${ERROR_FIELDS}
  }
}`;

const today = () => new Date().toISOString().slice(0, 10);

function RecordForm({ cycle, employee, onRecorded }) {
  const [heldOn, setHeldOn] = useState(today());
  const [notes, setNotes] = useState("");
  const [actions, setActions] = useState([]);
  const setAction = (i, field, value) => setActions(actions.map((a, j) => (j === i ? { ...a, [field]: value } : a)));
  const action = useAction(
    () =>
      mutate(
        RECORD,
        {
          cycle,
          employee,
          heldOn,
          notes,
          actions: actions.map((a) => ({ title: a.title, owner: a.owner || null, due: a.due || null })),
        },
        "recordFeedbackMeeting",
      ),
    () => {
      setNotes("");
      setActions([]);
      onRecorded();
    },
  );
  const error = action.error;
  const other = unplaced(error, ["heldOn", "notes", "actions"]);
  return html`<form onSubmit=${action.submit} class="decide" data-test="feedback-form">
    <label>${t("evaluation.feedback.heldOn")} <input type="date" value=${heldOn} onInput=${(e) => setHeldOn(e.target.value)} data-field="heldOn" /></label>
    <div data-errors="heldOn"><${FieldErrors} errors=${errorsAt(error, ["heldOn"])} /></div>
    <label>${t("evaluation.feedback.notes")}
      <textarea rows="3" value=${notes} onInput=${(e) => setNotes(e.target.value)} data-field="notes"></textarea></label>
    <div data-errors="notes"><${FieldErrors} errors=${errorsAt(error, ["notes"])} /></div>
    ${actions.map(
      (a, i) => html`<div class="row" data-action=${i}>
        <input type="text" value=${a.title} placeholder=${t("evaluation.feedback.actionTitle")} onInput=${(e) => setAction(i, "title", e.target.value)} />
        <input type="text" value=${a.owner} placeholder=${t("evaluation.feedback.owner")} onInput=${(e) => setAction(i, "owner", e.target.value)} />
        <input type="date" value=${a.due} onInput=${(e) => setAction(i, "due", e.target.value)} />
        <button type="button" onClick=${() => setActions(actions.filter((_, j) => j !== i))}>×</button>
      </div>
      <div data-errors=${`actions.${i}`}><${FieldErrors} errors=${errorsAt(error, ["actions", String(i)])} /></div>`,
    )}
    <div data-errors="actions"><${FieldErrors} errors=${errorsAt(error, ["actions"]).filter((e) => e.path.length === 1)} /></div>
    ${other.length ? html`<${ErrorBox} error=${{ errors: other }} />` : null}
    <p class="row">
      <button type="button" onClick=${() => setActions([...actions, { title: "", owner: "", due: "" }])}>${t("evaluation.feedback.addAction")}</button>
      <button class="primary" disabled=${action.busy} data-test="record-feedback">${t("evaluation.feedback.record")}</button>
    </p>
  </form>`;
}

export function FeedbackMeetings({ viewer, cycle, employee }) {
  const [round, setRound] = useState(0);
  const readable = can(viewer, "feedback.read");
  const { data, error, loading } = useQuery(readable ? MEETINGS : null, { cycle, employee }, [cycle, employee, round]);
  const meetings = (data?.feedbackMeetings.edges ?? []).map((e) => e.node);
  return html`<div data-test="feedback-meetings">
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    ${readable && loading ? html`<${Loading} />` : null}
    ${readable && !loading && !meetings.length ? html`<p class="muted">${t("evaluation.feedback.none")}</p>` : null}
    <ul class="meetings">${meetings.map(
      (m) => html`<li data-meeting=${m.id}><strong>${m.heldOn}</strong> · ${m.recordedBy} · v${m.resultVersion}
        <div>${m.notes}</div>
        ${m.actions.length
          ? html`<ul>${m.actions.map((a) => html`<li>${a.title}${a.owner ? ` · ${a.owner}` : ""}${a.due ? ` · ${a.due}` : ""}</li>`)}</ul>`
          : null}
        <span class="muted">${formatDateTime(m.recordedAt)}</span></li>`,
    )}</ul>
    ${can(viewer, "feedback.write")
      ? html`<${RecordForm} cycle=${cycle} employee=${employee} onRecorded=${() => setRound((r) => r + 1)} />`
      : null}
  </div>`;
}
