// Every routed page of the console, in one list: to add a page, write its module
// (pages/NAME.js exporting `page`) and add it here (docs/console.md, "Adding a page").
import { page as assign } from "./assign.js";
import { page as goal } from "./goal.js";
import { page as goalGap } from "./goal-gap.js";
import { page as goals } from "./goals.js";
import { page as home } from "./home.js";
import { page as scorecard } from "./scorecard.js";
import { page as team } from "./team.js";
import { page as teamReviews } from "./team-reviews.js";
import { page as template } from "./template.js";
import { page as templates } from "./templates.js";

export const PAGES = [home, scorecard, templates, template, goals, goalGap, goal, team, assign, teamReviews];
