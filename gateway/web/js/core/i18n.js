/**
 * Translations: Vietnamese is the default, English a switch kept in localStorage.
 * Keys are dotted paths into nested dictionaries; `{name}` placeholders are filled from params.
 */
import vi from '../i18n/vi.js';
import en from '../i18n/en.js';

const DICTS = { vi, en };
const STORAGE_KEY = 'hoso.lang';
let lang = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'vi';
const listeners = new Set();

export function currentLang() { return lang; }

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'vi';
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) { listeners.add(fn); }

function lookup(dict, key) {
  return key.split('.').reduce((node, part) => (node && typeof node === 'object' ? node[part] : undefined), dict);
}

/** Translate `key`; falls back to Vietnamese, then to `fallback`, then to the key itself. */
export function t(key, params = {}, fallback) {
  let text = lookup(DICTS[lang], key);
  if (typeof text !== 'string') text = lookup(DICTS.vi, key);
  if (typeof text !== 'string') text = fallback !== undefined ? String(fallback) : key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m)).normalize('NFC');
}

/** Role slug → its name in the current language. */
export function roleName(slug) { return t(`role.${slug}`, {}, slug); }

document.documentElement.lang = lang;
