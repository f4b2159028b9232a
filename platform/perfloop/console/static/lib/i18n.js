// Translations: t(key, params) from i18n/<lang>.json, pick(bilingual) for data that
// carries both languages, and the language switch (persisted in localStorage).

export const LANGUAGES = ["zh-CN", "en"];
const STORAGE_KEY = "perfloop.lang";
const messages = {};
const listeners = new Set();
let current = initialLanguage();

function initialLanguage() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

/** Load both languages' messages (once, at start). */
export async function loadMessages() {
  await Promise.all(
    LANGUAGES.map(async (lang) => {
      const response = await fetch(new URL(`../i18n/${lang}.json`, import.meta.url));
      messages[lang] = await response.json();
    }),
  );
  document.documentElement.lang = current;
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang) || lang === current) return;
  current = lang;
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  listeners.forEach((listener) => listener(lang));
}

/** Call listener(lang) on every language change; returns the unsubscribe function. */
export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The message of key in the current language, {name} placeholders filled from params. */
export function t(key, params = {}) {
  const text = messages[current]?.[key] ?? messages.en?.[key];
  if (text === undefined) {
    console.warn(`i18n: no message ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
}

/**
 * The current language's text of a bilingual value: a template's {"zh-CN", "en"}
 * object or GraphQL's I18nText {zhCN, en}; the other language when one is empty;
 * a plain string as it is.
 */
export function pick(value) {
  if (value == null || typeof value === "string") return value ?? "";
  const zh = value["zh-CN"] ?? value.zhCN;
  const en = value.en;
  return (current === "zh-CN" ? zh || en : en || zh) || "";
}

/** Numbers and dates in the current language. */
export function formatNumber(value, options = {}) {
  if (value == null || Number.isNaN(value)) return "–";
  return new Intl.NumberFormat(current, options).format(value);
}

export function formatPercent(share) {
  return formatNumber(share, { style: "percent", maximumFractionDigits: 1 });
}

export function formatDateTime(iso) {
  return iso ? new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso)) : "–";
}
