// Tests read their own configuration; keep logs quiet unless a developer asks for them.
process.env.LOG_LEVEL ??= 'silent';
