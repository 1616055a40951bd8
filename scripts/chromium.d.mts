/** The Chromium executable's path, or undefined when there is none (see chromium.mjs). */
export declare function findChromium(env?: NodeJS.ProcessEnv): string | undefined;
export declare const CHROMIUM_INSTALL: string;
