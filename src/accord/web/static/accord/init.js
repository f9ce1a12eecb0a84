// Start the GOV.UK Frontend components on every page (served as a file so the CSP needs no inline code).
import { initAll } from "../build/govuk-frontend.min.js";
initAll();
