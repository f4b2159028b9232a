// Every routed page of the console, in one list: to add a page, write its module
// (pages/NAME.js exporting `page`) and add it here (docs/console.md, "Adding a page").
import { page as appeal } from "./appeal.js";
import { page as appeals } from "./appeals.js";
import { page as home } from "./home.js";
import { page as improvement } from "./improvement.js";
import { page as result } from "./result.js";
import { page as review } from "./review.js";
import { page as reviews } from "./reviews.js";
import { page as scorecard } from "./scorecard.js";
import { page as template } from "./template.js";
import { page as templates } from "./templates.js";

export const PAGES = [home, scorecard, templates, template, reviews, review, result, appeals, appeal, improvement];
