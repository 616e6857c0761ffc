export * from './chat-completion-request.dto';
export * from './chat-message.dto';
export * from './response-format.dto';
export * from './tool.dto';
