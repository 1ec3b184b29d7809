/** Stable diagnostic codes of the config parsers. Tests and tools match on these, never on text. */
export const Code = {
  LineTooLong: 'CFG_LINE_TOO_LONG',
  BinaryData: 'CFG_BINARY_DATA',

  NoSection: 'FW_NO_SECTION',
  SectionUnknown: 'FW_SECTION_UNKNOWN',
  SectionNotAllowed: 'FW_SECTION_NOT_ALLOWED',
  SectionDuplicate: 'FW_SECTION_DUPLICATE',
  NameInvalid: 'FW_NAME_INVALID',

  OptionUnknown: 'FW_OPTION_UNKNOWN',
  OptionValue: 'FW_OPTION_VALUE',
  OptionDuplicate: 'FW_OPTION_DUPLICATE',

  AliasSyntax: 'FW_ALIAS_SYNTAX',
  AliasDuplicate: 'FW_ALIAS_DUPLICATE',
  IpsetEntryInvalid: 'FW_IPSET_ENTRY_INVALID',
  IpsetZeroPrefix: 'FW_IPSET_ZERO_PREFIX',
  IpsetDuplicate: 'FW_IPSET_DUPLICATE',

  RuleSyntax: 'FW_RULE_SYNTAX',
  RuleType: 'FW_RULE_TYPE',
  RuleTypeNotAllowed: 'FW_RULE_TYPE_NOT_ALLOWED',
  RuleAction: 'FW_RULE_ACTION',
  MacroUnknown: 'FW_MACRO_UNKNOWN',
  MacroConflict: 'FW_MACRO_CONFLICT',
  RuleOptionUnknown: 'FW_RULE_OPTION_UNKNOWN',
  RuleOptionValueMissing: 'FW_RULE_OPTION_NO_VALUE',
  RuleOptionDuplicate: 'FW_RULE_OPTION_DUPLICATE',
  GroupRuleOption: 'FW_GROUP_RULE_OPTION',
  IfaceInvalid: 'FW_IFACE_INVALID',
  IfaceNotAllowed: 'FW_IFACE_NOT_ALLOWED',
  ProtoUnknown: 'FW_PROTO_UNKNOWN',
  PortInvalid: 'FW_PORT_INVALID',
  PortTooMany: 'FW_PORT_TOO_MANY',
  PortNeedsProto: 'FW_PORT_NEEDS_PROTO',
  PortProtoMismatch: 'FW_PORT_PROTO_MISMATCH',
  IcmpTypeInvalid: 'FW_ICMP_TYPE_INVALID',
  IcmpTypeNeedsProto: 'FW_ICMP_TYPE_NEEDS_PROTO',
  IcmpTypeWithDport: 'FW_ICMP_TYPE_WITH_DPORT',
  LogLevelInvalid: 'FW_LOG_LEVEL_INVALID',
  AddrInvalid: 'FW_ADDR_INVALID',
  AddrMixedFamily: 'FW_ADDR_MIXED_FAMILY',
  AddrRangeInList: 'FW_ADDR_RANGE_IN_LIST',
  ScopeInvalid: 'FW_SCOPE_INVALID',
  RuleFamilyConflict: 'FW_RULE_FAMILY_CONFLICT',

  GuestNetInvalid: 'GUEST_NET_INVALID',
  GuestVmidMismatch: 'GUEST_VMID_DUPLICATE',

  CorosyncSyntax: 'COROSYNC_SYNTAX',
} as const;

export type DiagnosticCode = (typeof Code)[keyof typeof Code];
