// Stands in for modules the bundle does not need (see vite.config.ts).
export {};
