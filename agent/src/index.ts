// agent package entry point; the agent lands with its issue.
export {};
