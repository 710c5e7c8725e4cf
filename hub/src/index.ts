// hub package entry point; the hub lands with its issue.
export {};
