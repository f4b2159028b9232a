// A form's submission: run a mutation (or anything async), with busy and the error
// kept for the form to show (errorsAt for the fields, unplaced for the rest).
//
//   const action = useAction(() => mutate(…), (payload) => onSaved(payload));
//   html`<form onSubmit=${action.submit}> … <button disabled=${action.busy}>`
import { ApiError } from "./api.js";
import { useState } from "./preact.js";

export function useAction(run, onDone = () => {}) {
  const [state, setState] = useState({ busy: false, error: null });
  const submit = async (event) => {
    event?.preventDefault?.();
    setState({ busy: true, error: null });
    try {
      const value = await run();
      setState({ busy: false, error: null });
      onDone(value);
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return { ...state, submit };
}

/** The errors of err not shown at one of fields (a payload error's first path part):
 * refusals, conflicts, errors of the whole request. */
export function unplaced(err, fields) {
  if (!err) return [];
  if (!(err instanceof ApiError)) return [{ message: String(err.message ?? err) }];
  return err.errors.filter((e) => e.source !== "payload" || !fields.includes(String(e.path?.[0])));
}
