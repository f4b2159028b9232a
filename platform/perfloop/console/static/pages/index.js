// Every routed page of the console, in one list: to add a page, write its module
// (pages/NAME.js exporting `page`) and add it here (docs/console.md, "Adding a page").
import { page as appeal } from "./eval-appeal.js";
import { page as appeals } from "./eval-appeals.js";
import { cyclePage as calibrationOf, page as calibration } from "./eval-calibration.js";
import { cyclePage as payoutsOf, page as payouts } from "./eval-payouts.js";
import { cyclePage as scoringOf, page as scoring } from "./eval-scoring.js";
import { cyclePage as whatIfOf, page as whatIf } from "./eval-whatif.js";
import { page as home } from "./home.js";
import { page as scorecard } from "./scorecard.js";
import { page as template } from "./template.js";
import { page as templates } from "./templates.js";

export const PAGES = [
  home,
  scorecard,
  templates,
  template,
  scoring,
  scoringOf,
  calibration,
  calibrationOf,
  whatIf,
  whatIfOf,
  appeals,
  appeal,
  payouts,
  payoutsOf,
];
