/**
 * Light and dark: the system's preference (`prefers-color-scheme`), overridden by the header's
 * toggle — a class on `<html>` (`theme-dark` / `theme-light`), remembered in localStorage under
 * `gitfleet-theme` (a preference, not a secret).
 */
const KEY = 'gitfleet-theme';

function apply(theme: string | null): void {
  const html = document.documentElement;
  html.classList.toggle('theme-dark', theme === 'dark');
  html.classList.toggle('theme-light', theme === 'light');
}

function stored(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Applies the remembered choice (at start). */
export function applyStoredTheme(): void {
  apply(stored());
}

/** Whether the page shows dark now. */
export function isDark(): boolean {
  const html = document.documentElement;
  if (html.classList.contains('theme-dark')) return true;
  if (html.classList.contains('theme-light')) return false;
  return window.matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Switches to the other theme and remembers it; returns whether it is dark now. */
export function toggleTheme(): boolean {
  const next = isDark() ? 'light' : 'dark';
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // storage refused (private mode): the choice lasts for the page
  }
  apply(next);
  return next === 'dark';
}
