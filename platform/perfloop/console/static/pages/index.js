// Every routed page of the console, in one list: to add a page, write its module
// (pages/NAME.js exporting `page`) and add it here (docs/console.md, "Adding a page").
import { page as dashboards } from "./dashboards.js";
import { page as home } from "./home.js";
import { page as imports } from "./imports.js";
import { page as scorecard } from "./scorecard.js";
import { page as template } from "./template.js";
import { page as templates } from "./templates.js";

export const PAGES = [home, scorecard, templates, template, dashboards, imports];
