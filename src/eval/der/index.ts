export { diarizationErrorRate, type DerOptions, type DerResult, type RefTurn } from './der';
export { DIALOGUES, generateDialogue, type Dialogue, type DialogueLine, type FliteVoice, type GeneratedDialogue } from './dialogues';
