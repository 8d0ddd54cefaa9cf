// Requests to leave run() at the next instruction boundary, with a reason for the host.
import { STATE, STOP_REASON, STOP_INFO, STOP_NONE } from "./layout";
import { breakSlice } from "./state";

export let stopPending: bool = false;

export function requestStop(reason: u32, info: u32): void {
  // The first reason wins: a fatal stop must not be overwritten by e.g. a full console.
  if (stopPending) return;
  stopPending = true;
  store<u32>(STATE + STOP_REASON, reason);
  store<u32>(STATE + STOP_INFO, info);
  breakSlice();
}

export function clearStop(): void {
  stopPending = false;
  store<u32>(STATE + STOP_REASON, STOP_NONE);
  store<u32>(STATE + STOP_INFO, 0);
}
