/**
 * Stable diagnostic codes raised while resolving a config tree. Where resolution re-checks
 * something the parser also checks, it reuses the parser's code, so a tool sees one code per fault.
 */
import { Code as Cfg } from '../config/codes.js';

export const Code = {
  aliasUnknown: 'FW_ALIAS_UNKNOWN',
  ipsetUnknown: 'FW_IPSET_UNKNOWN',
  groupUnknown: 'FW_GROUP_UNKNOWN',
  groupNested: 'FW_GROUP_NESTED',
  scopeNotAllowed: 'FW_SCOPE_NOT_ALLOWED',
  ifaceUnknown: 'FW_IFACE_UNKNOWN',
  macroFamilyEmpty: 'FW_MACRO_FAMILY_EMPTY',
  ethertypeUnknown: 'FW_ETHERTYPE_UNKNOWN',
  familyMismatch: Cfg.RuleFamilyConflict,
  ifaceNotAllowed: Cfg.IfaceNotAllowed,
  ifaceInvalid: Cfg.IfaceInvalid,
  portsWithoutProto: Cfg.PortNeedsProto,
  portsUnsupported: Cfg.PortProtoMismatch,
  macroUnknown: Cfg.MacroUnknown,
  macroConflict: Cfg.MacroConflict,
  ipsetEntryInvalid: Cfg.IpsetEntryInvalid,
  ipsetZeroPrefix: Cfg.IpsetZeroPrefix,
} as const;

export type ModelCode = (typeof Code)[keyof typeof Code];
