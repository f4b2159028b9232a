// Every routed page of the console, in one list: to add a page, write its module
// (pages/NAME.js exporting `page`) and add it here (docs/console.md, "Adding a page").
// One import and one list entry per line, so pages added side by side merge cleanly.
import { page as appeal } from "./appeal.js";
import { page as appeals } from "./appeals.js";
import { page as apps } from "./apps.js";
import { page as assign } from "./assign.js";
import { page as cycle } from "./cycle.js";
import { page as cycles } from "./cycles.js";
import { page as dashboards } from "./dashboards.js";
import { page as appealToDecide } from "./eval-appeal.js";
import { page as appealsToDecide } from "./eval-appeals.js";
import { cyclePage as calibrationOf, page as calibration } from "./eval-calibration.js";
import { cyclePage as payoutsOf, page as payouts } from "./eval-payouts.js";
import { cyclePage as scoringOf, page as scoring } from "./eval-scoring.js";
import { cyclePage as whatIfOf, page as whatIf } from "./eval-whatif.js";
import { page as goalGap } from "./goal-gap.js";
import { page as goal } from "./goal.js";
import { page as goals } from "./goals.js";
import { page as home } from "./home.js";
import { page as imports } from "./imports.js";
import { page as improvement } from "./improvement.js";
import { page as org } from "./org.js";
import { page as result } from "./result.js";
import { page as review } from "./review.js";
import { page as reviews } from "./reviews.js";
import { page as scorecard } from "./scorecard.js";
import { page as teamReviews } from "./team-reviews.js";
import { page as team } from "./team.js";
import { copyPage as templateCopy, page as templateEdit } from "./template-edit.js";
import { page as template } from "./template.js";
import { page as templates } from "./templates.js";

export const PAGES = [
  home,
  scorecard,
  templates,
  template,
  reviews,
  review,
  result,
  appeals,
  appeal,
  improvement,
  goals,
  goalGap,
  goal,
  team,
  assign,
  teamReviews,
  dashboards,
  imports,
  templateEdit,
  templateCopy,
  apps,
  org,
  cycles,
  cycle,
  scoring,
  scoringOf,
  calibration,
  calibrationOf,
  whatIf,
  whatIfOf,
  payouts,
  payoutsOf,
  appealsToDecide,
  appealToDecide,
];
