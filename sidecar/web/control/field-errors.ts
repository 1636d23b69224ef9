// A gateway refusal of a form, split by the key path each problem names, so a form can mark the
// field it is about and still say the path in words. Schema refusals carry their issues in
// `details.issues` (`/schedule/expr`); checks made by the gateway itself start their message with
// the dotted path (`schedule.expr: "61 * * * *" is not a cron expression`).

import { html, nothing, type TemplateResult } from "lit";
import { messageOf } from "./context.js";
import "./forms.css";

/** One problem: the dotted key path it names ("" when none) and what is wrong. */
export interface FieldError {
  path: string;
  message: string;
}

const UNION_NOISE = /^must (be null|be equal to constant|match a schema in anyOf|match exactly one schema in oneOf)$/;
const PATH_PREFIX = /^([A-Za-z_][\w]*(?:\.[\w]+)*): (.+)$/s;

/** The problems of a failed request, each with its key path. */
export function fieldErrors(err: unknown): FieldError[] {
  const issues = (err as { details?: { issues?: unknown } } | null)?.details?.issues;
  if (Array.isArray(issues) && issues.length > 0) {
    const all = issues.map((i: { path?: unknown; message?: unknown }) => ({
      path: typeof i.path === "string" && i.path !== "(root)" ? i.path.replace(/^\//, "").replace(/\//g, ".") : "",
      message: typeof i.message === "string" ? i.message : String(i.message),
    }));
    // A value that fits none of a union's shapes is refused once per shape; the shapes that only
    // allow something else (null, another constant) and the union's own verdict say nothing new.
    const telling = all.filter((e) => !UNION_NOISE.test(e.message));
    return telling.length > 0 ? telling : all;
  }
  const text = messageOf(err);
  const m = PATH_PREFIX.exec(text);
  return m ? [{ path: m[1]!, message: m[2]! }] : [{ path: "", message: text }];
}

/** The problems about `path` or anything under it. */
export function errorsAt(errors: readonly FieldError[], path: string): FieldError[] {
  return errors.filter((e) => e.path === path || e.path.startsWith(`${path}.`));
}

/** Problems in a form's alert area, each led by its key path. */
export function errorSummary(id: string, errors: readonly FieldError[]): TemplateResult | typeof nothing {
  if (errors.length === 0) return nothing;
  return html`<div class="error form-errors" role="alert" id=${id}>
    <p>The gateway refused this:</p>
    <ul>${errors.map((e) => html`<li>${e.path ? html`<code class="key-path">${e.path}</code>: ` : nothing}${e.message}</li>`)}</ul>
  </div>`;
}

/** The message under one field (its accessible description), or nothing. */
export function fieldMessage(id: string, errors: readonly FieldError[], path: string): TemplateResult | typeof nothing {
  const mine = errorsAt(errors, path);
  if (mine.length === 0) return nothing;
  return html`<span class="field-error" id=${id}><code class="key-path">${mine[0]!.path}</code>: ${mine.map((e) => e.message).join("; ")}</span>`;
}
