// Org chart: the tree of org units (orgUnits); a chosen unit's details to change
// (updateOrgUnit), move (moveOrgUnit) or add a unit under (createOrgUnit), and its
// people (employees) to add (createEmployee) or change (updateEmployee). Every error is
// shown next to the field it names.
import { ERROR_FIELDS, mutate } from "../lib/api.js";
import { Fields, otherErrors } from "../lib/fields.js";
import { t } from "../lib/i18n.js";
import { unitName, useAllNodes, useOrgUnits } from "../lib/orgunits.js";
import { html, useMemo, useState } from "../lib/preact.js";
import { href } from "../lib/router.js";
import { ErrorBox, Loading, useQuery, useTitle } from "../lib/ui.js";

const UNIT = `orgUnit { id code name nameEn kind parent { id } } ${ERROR_FIELDS}`;
const CREATE_UNIT = `mutation CreateUnit($input: CreateOrgUnitInput!) { createOrgUnit(input: $input) { ${UNIT} } }`;
const UPDATE_UNIT = `mutation UpdateUnit($id: ID!, $input: UpdateOrgUnitInput!) { updateOrgUnit(id: $id, input: $input) { ${UNIT} } }`;
const MOVE_UNIT = `mutation MoveUnit($id: ID!, $parent: ID) { moveOrgUnit(id: $id, parent: $parent) { ${UNIT} } }`;
const PERSON = "id employeeNo name email position grade hireDate orgUnit { id } manager { id name }";
const PEOPLE = `query People($after: String) {
  employees(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { ${PERSON} } } }
}`;
const POSITIONS = "query Positions { positions { code name } }";
const CREATE_PERSON = `mutation CreatePerson($input: CreateEmployeeInput!) {
  createEmployee(input: $input) { employee { id } ${ERROR_FIELDS} } }`;
const UPDATE_PERSON = `mutation UpdatePerson($id: ID!, $input: UpdateEmployeeInput!) {
  updateEmployee(id: $id, input: $input) { employee { id } ${ERROR_FIELDS} } }`;
const CREATE_POSITION = `mutation CreatePosition($input: CreatePositionInput!) {
  createPosition(input: $input) { position { code name } ${ERROR_FIELDS} } }`;
const KINDS = ["company", "department", "team"];

/** A form posting its values with send(values); errors beside the fields. */
function Form({ fields, initial, send, label, test, onDone }) {
  const [values, setValues] = useState(initial);
  const [state, setState] = useState({ busy: false, error: null, done: false });
  const submit = async (event) => {
    event.preventDefault();
    setState({ busy: true, error: null, done: false });
    try {
      const result = await send(values);
      setState({ busy: false, error: null, done: true });
      onDone?.(result);
    } catch (error) {
      setState({ busy: false, error, done: false });
    }
  };
  const rest = otherErrors(state.error, fields);
  return html`<form class="card form" novalidate onSubmit=${submit} data-test=${test}>
    <${Fields} fields=${fields} values=${values} onChange=${setValues} error=${state.error} test=${test} />
    <div class="row"><button class="primary" disabled=${state.busy} data-test=${`${test}-submit`}>${label}</button>
      ${state.done ? html`<span class="badge good">${t("org.saved")}</span>` : null}</div>
    ${rest.length ? html`<${ErrorBox} error=${{ errors: rest }} />` : null}
  </form>`;
}

function unitFields() {
  return [
    { name: "code", label: t("org.code") },
    { name: "name", label: t("org.name") },
    { name: "nameEn", label: t("org.nameEn") },
    { name: "kind", label: t("org.kind"), options: KINDS.map((k) => ({ value: k, label: t(`org.kind.${k}`) })) },
  ];
}

function Tree({ units, chosen, onChoose }) {
  const children = (id) => units.filter((u) => (u.parent?.id ?? null) === id);
  const known = new Set(units.map((u) => u.id));
  const roots = units.filter((u) => !u.parent || !known.has(u.parent.id));
  const branch = (unit) => html`<li>
    <button class=${`link${unit.id === chosen ? " active" : ""}`} onClick=${() => onChoose(unit.id)} data-unit=${unit.code}>
      ${unitName(unit)}</button> <span class="muted small">${t(`org.kind.${unit.kind}`)}</span>
    ${children(unit.id).length ? html`<ul>${children(unit.id).map(branch)}</ul>` : null}
  </li>`;
  return html`<ul class="tree" data-test="org-tree">${roots.map(branch)}</ul>`;
}

function positionFields() {
  return [
    { name: "code", label: t("org.code") },
    { name: "name", label: t("org.name") },
    { name: "nameEn", label: t("org.nameEn") },
    { name: "grade", label: t("org.grade") },
  ];
}

function personFields(positions, people) {
  return [
    { name: "employeeNo", label: t("org.employeeNo") },
    { name: "name", label: t("org.name") },
    { name: "email", label: t("org.email"), type: "email" },
    { name: "position", label: t("org.position"), options: [{ value: "", label: "–" }, ...positions.map((p) => ({ value: p.name, label: p.name }))] },
    { name: "grade", label: t("org.grade") },
    { name: "hireDate", label: t("org.hireDate"), type: "date" },
    { name: "manager", label: t("org.manager"), options: [{ value: "", label: "–" }, ...people.map((p) => ({ value: p.id, label: `${p.name} (${p.employeeNo})` }))] },
  ];
}

function asInput(person) {
  return { ...person, orgUnit: person.orgUnit?.id ?? "", manager: person.manager?.id ?? "" };
}

/** What an update changes: the fields whose value differs; manager "" removes it. */
function changes(before, after) {
  const input = {};
  for (const [key, value] of Object.entries(after)) {
    if (["id", "orgUnit"].includes(key) || value === before[key]) continue;
    input[key] = key === "manager" && value === "" ? null : value;
  }
  return input;
}

function People({ unit, units }) {
  const { nodes: people, error, loading, reload } = useAllNodes(PEOPLE, "employees");
  const positions = useQuery(POSITIONS);
  const [editing, setEditing] = useState(null);
  if (error || positions.error) return html`<${ErrorBox} error=${error ?? positions.error} />`;
  if ((loading && !people.length) || !positions.data) return html`<${Loading} />`;
  const members = people.filter((p) => p.orgUnit?.id === unit.id);
  const fields = personFields(positions.data.positions, people);
  const blank = { employeeNo: "", name: "", email: "", position: "", grade: "", hireDate: "", manager: "" };
  const create = (v) => mutate(CREATE_PERSON, { input: { ...v, orgUnit: unit.id, manager: v.manager || null } }, "createEmployee");
  return html`<div>
    <table data-test="members">
      <thead><tr><th>${t("org.employeeNo")}</th><th>${t("org.name")}</th><th>${t("org.position")}</th>
        <th>${t("org.grade")}</th><th>${t("org.manager")}</th><th></th></tr></thead>
      <tbody>${members.map((p) => html`<tr data-employee=${p.employeeNo}>
        <td>${p.employeeNo}</td><td>${p.name}<div class="muted small">${p.email}</div></td><td>${p.position}</td>
        <td>${p.grade}</td><td>${p.manager?.name ?? "–"}</td>
        <td><button class="link" onClick=${() => setEditing(p)}>${t("org.edit")}</button></td>
      </tr>`)}</tbody>
    </table>
    ${!members.length ? html`<p class="muted">${t("org.noMembers")}</p>` : null}
    ${editing
      ? html`<h3>${t("org.editPerson", { name: editing.name })}</h3>
          <${Form} key=${editing.id} test="person-edit" fields=${[...fields, { name: "orgUnit", label: t("org.unit"),
            options: units.map((u) => ({ value: u.id, label: unitName(u) })) }]} initial=${asInput(editing)} label=${t("org.save")}
            send=${(v) => mutate(UPDATE_PERSON, { id: editing.id, input: { ...changes(asInput(editing), v), ...(v.orgUnit !== editing.orgUnit?.id ? { orgUnit: v.orgUnit } : {}) } }, "updateEmployee")}
            onDone=${reload} />`
      : null}
    <h3>${t("org.addPerson")}</h3>
    <${Form} key=${`new-${unit.id}`} test="person-new" fields=${fields} initial=${blank} label=${t("org.add")} send=${create} onDone=${reload} />
    <h3>${t("org.addPosition")}</h3>
    <p class="muted">${t("org.positionsHint", { count: positions.data.positions.length })}</p>
    <${Form} key=${`position-${unit.id}`} test="position-new" fields=${positionFields()} initial=${{ code: "", name: "", nameEn: "", grade: "" }}
      label=${t("org.add")} onDone=${positions.reload}
      send=${(v) => mutate(CREATE_POSITION, { input: { ...v, nameEn: v.nameEn || null, grade: v.grade || null, orgUnit: unit.id } }, "createPosition")} />
  </div>`;
}

function UnitPanel({ unit, units, onChanged }) {
  const fields = unitFields();
  const initial = { code: unit.code, name: unit.name, nameEn: unit.nameEn ?? "", kind: unit.kind };
  const update = (v) => mutate(UPDATE_UNIT, { id: unit.id, input: { ...v, nameEn: v.nameEn || null } }, "updateOrgUnit");
  const create = (v) => mutate(CREATE_UNIT, { input: { ...v, parent: unit.id, nameEn: v.nameEn || null } }, "createOrgUnit");
  return html`<div>
    <h2 data-test="unit-title">${unitName(unit)} <span class="muted">${unit.code}</span></h2>
    <${Form} key=${`edit-${unit.id}`} test="unit-edit" fields=${fields} initial=${initial} label=${t("org.save")} send=${update} onDone=${onChanged} />
    <${Form} key=${`move-${unit.id}`} test="unit-move" fields=${[{ name: "parent", label: t("org.parent"),
      options: [{ value: "", label: t("org.root") }, ...units.filter((u) => u.id !== unit.id).map((u) => ({ value: u.id, label: unitName(u) }))] }]}
      initial=${{ parent: unit.parent?.id ?? "" }} label=${t("org.move")} onDone=${onChanged}
      send=${(v) => mutate(MOVE_UNIT, { id: unit.id, parent: v.parent || null }, "moveOrgUnit")} />
    <h3>${t("org.people")}</h3>
    <${People} unit=${unit} units=${units} />
    <h3>${t("org.addUnit")}</h3>
    <${Form} key=${`new-${unit.id}`} test="unit-new" fields=${fields} initial=${{ code: "", name: "", nameEn: "", kind: "team" }}
      label=${t("org.add")} send=${create} onDone=${onChanged} />
  </div>`;
}

// The .xlsx / .csv import (`importOrgChart`, a dry run first, its progress and row errors)
// lives on the imports page (pages/imports.js); the org chart links to it.
function OrgImport() {
  return html`<div class="card" data-test="org-import">
    <a href=${href("/imports")}>${t("org.import")}</a> <span class="muted">${t("org.importHint")}</span>
  </div>`;
}

function OrgChart() {
  useTitle(t("org.title"));
  const { units, error, loading, reload } = useOrgUnits();
  const [chosen, setChosen] = useState(null);
  const unit = useMemo(() => units.find((u) => u.id === chosen) ?? units[0], [units, chosen]);
  return html`<div>
    <h1>${t("org.title")}</h1>
    <${OrgImport} />
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    ${loading && !units.length ? html`<${Loading} />` : null}
    <div class="split">
      <div><${Tree} units=${units} chosen=${unit?.id} onChoose=${setChosen} /></div>
      <div>${unit ? html`<${UnitPanel} key=${unit.id} unit=${unit} units=${units} onChanged=${reload} />` : null}</div>
    </div>
  </div>`;
}

export const page = {
  route: "/org",
  title: "org.title",
  nav: 45,
  requires: ["org.read", "org.manage"],
  view: OrgChart,
};
