export { answerQuestion, AskRequestSchema, MAX_MOMENTS, MAX_QUESTION_CHARS, type AskAnswer, type AskDeps, type AskOptions, type AskRequest, type Citation } from './answer-question';
export { citedMoments } from './citations';
export { anyWordQuery, contentWords } from './content-words';
export { ASK_SYSTEM_PROMPT, buildAskMessages, excerptLine, rangeLabel } from './prompt';
export { retrieveMoments, type Moment, type Retrieval, type RetrievalStrategy, type RetrieveRequest } from './retrieve';
