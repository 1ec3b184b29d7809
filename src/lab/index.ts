export { Lab, LabError, portName } from './lab.js';
export { sweep } from './cleanup.js';
export type { LabBridgeSpec, LabGuestSpec, LabOutsideSpec, LabSpec, Probe, TcpVerdict } from './types.js';
