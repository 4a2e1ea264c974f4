export { diarizationErrorRate, type DerOptions, type DerResult, type RefTurn } from './der';
export { DIALOGUES, dialogueVideo, generateDialogue, type Dialogue, type DialogueLine, type FliteVoice, type GeneratedDialogue } from './dialogues';
