// Public surface of the EditX prompt builder.

export * from './audio-tokens';
export * from './chat-template';
export * from './prompt';
export * from './settings';
export * from './speaker';
export * from './templates';
