// Every routed page of the console, in one list: to add a page, write its module
// (pages/NAME.js exporting `page`) and add it here (docs/console.md, "Adding a page").
import { page as apps } from "./apps.js";
import { page as cycle } from "./cycle.js";
import { page as cycles } from "./cycles.js";
import { page as home } from "./home.js";
import { page as org } from "./org.js";
import { page as scorecard } from "./scorecard.js";
import { page as template } from "./template.js";
import { copyPage as templateCopy, page as templateEdit } from "./template-edit.js";
import { page as templates } from "./templates.js";

export const PAGES = [
  home, scorecard, templates, templateEdit, templateCopy, template, apps, org, cycles, cycle,
];
