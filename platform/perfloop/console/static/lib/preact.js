// The one import of the vendored Preact + hooks + htm (vendor/htm/standalone.module.js):
// pages and components import from here, never from vendor/ directly.
export {
  Component,
  createContext,
  h,
  html,
  render,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
} from "../vendor/htm/standalone.module.js";
