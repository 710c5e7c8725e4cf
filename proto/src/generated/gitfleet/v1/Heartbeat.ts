// Original file: proto/gitfleet/v1/agent_link.proto


/**
 * Liveness signal, sent in both directions when the sender has been quiet for a heartbeat interval.
 */
export interface Heartbeat {
}

/**
 * Liveness signal, sent in both directions when the sender has been quiet for a heartbeat interval.
 */
export interface Heartbeat__Output {
}
