// Check-ins on my plan (a component of pages/scorecard.js, not a page): record
// progress, a confidence from 0 to 1 and a note on the plan or one of its items
// (checkIn), and the recent ones (checkins), newest first.
import { ERROR_FIELDS, errorsAt, mutate } from "../lib/api.js";
import { formatDateTime, formatPercent, pick, t } from "../lib/i18n.js";
import { html, useState } from "../lib/preact.js";
import { ErrorBox, FieldErrors, Loading, useQuery } from "../lib/ui.js";

const CHECKINS = `query MyCheckins($scorecard: ID!) {
  checkins(scorecard: $scorecard, first: 10) { edges { node { id itemId progress confidence note at } } }
}`;

const CHECK_IN = `mutation CheckIn($scorecard: ID!, $item: ID, $progress: Float, $confidence: Float!, $note: String!) {
  checkIn(scorecard: $scorecard, item: $item, progress: $progress, confidence: $confidence, note: $note) {
    checkin { id } ${ERROR_FIELDS}
  }
}`;

const FIELDS = ["item", "progress", "confidence", "note"];
const EMPTY = { item: "", progress: "", confidence: "0.8", note: "" };
const numberOrNull = (text) => (text === "" ? null : Number(text));

function Form({ card, onAdded }) {
  const [draft, setDraft] = useState(EMPTY);
  const [state, setState] = useState({ busy: false, error: null });
  const set = (name) => (e) => setDraft({ ...draft, [name]: e.target.value });
  const add = async (event) => {
    event.preventDefault();
    setState({ busy: true, error: null });
    const variables = {
      scorecard: card.id, item: draft.item || null, note: draft.note,
      progress: numberOrNull(draft.progress), confidence: numberOrNull(draft.confidence) ?? Number.NaN,
    };
    try {
      await mutate(CHECK_IN, variables, "checkIn");
      setDraft(EMPTY);
      setState({ busy: false, error: null });
      onAdded();
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const { error } = state;
  const at = (name) => errorsAt(error, [name]);
  const other = error && FIELDS.every((name) => !at(name).length);
  return html`<form class="stack card" onSubmit=${add} data-test="checkin-form">
    <label>${t("checkin.on")}
      <select value=${draft.item} onChange=${set("item")} name="item">
        <option value="">${t("checkin.wholePlan")}</option>
        ${card.items.map((item) => html`<option value=${item.id}>${pick(item.titles)}</option>`)}
      </select></label>
    <${FieldErrors} errors=${at("item")} />
    <label>${t("checkin.progress")}
      <input type="number" step="any" value=${draft.progress} onInput=${set("progress")} name="progress" /></label>
    <${FieldErrors} errors=${at("progress")} />
    <label>${t("checkin.confidence")}
      <input type="number" step="any" value=${draft.confidence} onInput=${set("confidence")} name="confidence" /></label>
    <${FieldErrors} errors=${at("confidence")} />
    <label>${t("checkin.note")}
      <textarea rows="2" value=${draft.note} onInput=${set("note")} name="note"></textarea></label>
    <${FieldErrors} errors=${at("note")} />
    ${other ? html`<${ErrorBox} error=${error} />` : null}
    <div><button class="primary" disabled=${state.busy}>${t("checkin.add")}</button></div>
  </form>`;
}

export function CheckIns({ card, canCheckIn }) {
  const { data, error, loading, reload } = useQuery(CHECKINS, { scorecard: card.id }, [card.id]);
  const titles = new Map(card.items.map((item) => [item.id, item.titles]));
  return html`<section>
    <h2>${t("checkin.title")}</h2>
    ${canCheckIn ? html`<${Form} card=${card} onAdded=${reload} />` : null}
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    ${loading && !data ? html`<${Loading} />` : null}
    ${data
      ? html`<ul data-test="checkins">${data.checkins.edges.map(({ node: c }) => html`<li>
          ${formatDateTime(c.at)} · ${c.itemId ? pick(titles.get(c.itemId)) : t("checkin.wholePlan")}
          · ${t("checkin.progressIs", { share: c.progress == null ? "–" : formatPercent(c.progress) })}
          · ${t("checkin.confidenceIs", { share: formatPercent(c.confidence) })} — ${c.note}</li>`)}
        </ul>`
      : null}
  </section>`;
}
