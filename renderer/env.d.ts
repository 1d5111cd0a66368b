// The renderer has no Node and no Electron: only the DOM and what its preload put on window.
/// <reference lib="dom" />
export {};
