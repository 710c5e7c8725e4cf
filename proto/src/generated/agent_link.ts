import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Ack as _gitfleet_v1_Ack, Ack__Output as _gitfleet_v1_Ack__Output } from './gitfleet/v1/Ack.js';
import type { AgentLinkClient as _gitfleet_v1_AgentLinkClient, AgentLinkDefinition as _gitfleet_v1_AgentLinkDefinition } from './gitfleet/v1/AgentLink.js';
import type { AgentMessage as _gitfleet_v1_AgentMessage, AgentMessage__Output as _gitfleet_v1_AgentMessage__Output } from './gitfleet/v1/AgentMessage.js';
import type { AppRemoval as _gitfleet_v1_AppRemoval, AppRemoval__Output as _gitfleet_v1_AppRemoval__Output } from './gitfleet/v1/AppRemoval.js';
import type { AppVersion as _gitfleet_v1_AppVersion, AppVersion__Output as _gitfleet_v1_AppVersion__Output } from './gitfleet/v1/AppVersion.js';
import type { Assignment as _gitfleet_v1_Assignment, Assignment__Output as _gitfleet_v1_Assignment__Output } from './gitfleet/v1/Assignment.js';
import type { AssignmentPolicies as _gitfleet_v1_AssignmentPolicies, AssignmentPolicies__Output as _gitfleet_v1_AssignmentPolicies__Output } from './gitfleet/v1/AssignmentPolicies.js';
import type { DriftOverride as _gitfleet_v1_DriftOverride, DriftOverride__Output as _gitfleet_v1_DriftOverride__Output } from './gitfleet/v1/DriftOverride.js';
import type { DriftPolicy as _gitfleet_v1_DriftPolicy, DriftPolicy__Output as _gitfleet_v1_DriftPolicy__Output } from './gitfleet/v1/DriftPolicy.js';
import type { DriftRecord as _gitfleet_v1_DriftRecord, DriftRecord__Output as _gitfleet_v1_DriftRecord__Output } from './gitfleet/v1/DriftRecord.js';
import type { ErrorDetail as _gitfleet_v1_ErrorDetail, ErrorDetail__Output as _gitfleet_v1_ErrorDetail__Output } from './gitfleet/v1/ErrorDetail.js';
import type { FieldChange as _gitfleet_v1_FieldChange, FieldChange__Output as _gitfleet_v1_FieldChange__Output } from './gitfleet/v1/FieldChange.js';
import type { GroupKind as _gitfleet_v1_GroupKind, GroupKind__Output as _gitfleet_v1_GroupKind__Output } from './gitfleet/v1/GroupKind.js';
import type { GroupKindList as _gitfleet_v1_GroupKindList, GroupKindList__Output as _gitfleet_v1_GroupKindList__Output } from './gitfleet/v1/GroupKindList.js';
import type { Health as _gitfleet_v1_Health, Health__Output as _gitfleet_v1_Health__Output } from './gitfleet/v1/Health.js';
import type { Heartbeat as _gitfleet_v1_Heartbeat, Heartbeat__Output as _gitfleet_v1_Heartbeat__Output } from './gitfleet/v1/Heartbeat.js';
import type { HeldApp as _gitfleet_v1_HeldApp, HeldApp__Output as _gitfleet_v1_HeldApp__Output } from './gitfleet/v1/HeldApp.js';
import type { Hello as _gitfleet_v1_Hello, Hello__Output as _gitfleet_v1_Hello__Output } from './gitfleet/v1/Hello.js';
import type { HubMessage as _gitfleet_v1_HubMessage, HubMessage__Output as _gitfleet_v1_HubMessage__Output } from './gitfleet/v1/HubMessage.js';
import type { IgnoreRule as _gitfleet_v1_IgnoreRule, IgnoreRule__Output as _gitfleet_v1_IgnoreRule__Output } from './gitfleet/v1/IgnoreRule.js';
import type { ObjectRef as _gitfleet_v1_ObjectRef, ObjectRef__Output as _gitfleet_v1_ObjectRef__Output } from './gitfleet/v1/ObjectRef.js';
import type { ObjectResult as _gitfleet_v1_ObjectResult, ObjectResult__Output as _gitfleet_v1_ObjectResult__Output } from './gitfleet/v1/ObjectResult.js';
import type { ObjectSelector as _gitfleet_v1_ObjectSelector, ObjectSelector__Output as _gitfleet_v1_ObjectSelector__Output } from './gitfleet/v1/ObjectSelector.js';
import type { ProjectScope as _gitfleet_v1_ProjectScope, ProjectScope__Output as _gitfleet_v1_ProjectScope__Output } from './gitfleet/v1/ProjectScope.js';
import type { PrunePolicy as _gitfleet_v1_PrunePolicy, PrunePolicy__Output as _gitfleet_v1_PrunePolicy__Output } from './gitfleet/v1/PrunePolicy.js';
import type { ResyncPlan as _gitfleet_v1_ResyncPlan, ResyncPlan__Output as _gitfleet_v1_ResyncPlan__Output } from './gitfleet/v1/ResyncPlan.js';
import type { StatusReport as _gitfleet_v1_StatusReport, StatusReport__Output as _gitfleet_v1_StatusReport__Output } from './gitfleet/v1/StatusReport.js';
import type { SyncRequest as _gitfleet_v1_SyncRequest, SyncRequest__Output as _gitfleet_v1_SyncRequest__Output } from './gitfleet/v1/SyncRequest.js';
import type { UnmanagedObject as _gitfleet_v1_UnmanagedObject, UnmanagedObject__Output as _gitfleet_v1_UnmanagedObject__Output } from './gitfleet/v1/UnmanagedObject.js';
import type { UnmanagedPolicy as _gitfleet_v1_UnmanagedPolicy, UnmanagedPolicy__Output as _gitfleet_v1_UnmanagedPolicy__Output } from './gitfleet/v1/UnmanagedPolicy.js';
import type { Welcome as _gitfleet_v1_Welcome, Welcome__Output as _gitfleet_v1_Welcome__Output } from './gitfleet/v1/Welcome.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  gitfleet: {
    v1: {
      Ack: MessageTypeDefinition<_gitfleet_v1_Ack, _gitfleet_v1_Ack__Output>
      /**
       * The hub's service. Agents dial the hub; the hub never dials agents.
       */
      AgentLink: SubtypeConstructor<typeof grpc.Client, _gitfleet_v1_AgentLinkClient> & { service: _gitfleet_v1_AgentLinkDefinition }
      AgentMessage: MessageTypeDefinition<_gitfleet_v1_AgentMessage, _gitfleet_v1_AgentMessage__Output>
      AppRemoval: MessageTypeDefinition<_gitfleet_v1_AppRemoval, _gitfleet_v1_AppRemoval__Output>
      AppVersion: MessageTypeDefinition<_gitfleet_v1_AppVersion, _gitfleet_v1_AppVersion__Output>
      ApplyAction: EnumTypeDefinition
      Assignment: MessageTypeDefinition<_gitfleet_v1_Assignment, _gitfleet_v1_Assignment__Output>
      AssignmentPolicies: MessageTypeDefinition<_gitfleet_v1_AssignmentPolicies, _gitfleet_v1_AssignmentPolicies__Output>
      ConflictMode: EnumTypeDefinition
      DeletionMode: EnumTypeDefinition
      DriftAction: EnumTypeDefinition
      DriftMode: EnumTypeDefinition
      DriftOverride: MessageTypeDefinition<_gitfleet_v1_DriftOverride, _gitfleet_v1_DriftOverride__Output>
      DriftPolicy: MessageTypeDefinition<_gitfleet_v1_DriftPolicy, _gitfleet_v1_DriftPolicy__Output>
      DriftRecord: MessageTypeDefinition<_gitfleet_v1_DriftRecord, _gitfleet_v1_DriftRecord__Output>
      ErrorDetail: MessageTypeDefinition<_gitfleet_v1_ErrorDetail, _gitfleet_v1_ErrorDetail__Output>
      FieldChange: MessageTypeDefinition<_gitfleet_v1_FieldChange, _gitfleet_v1_FieldChange__Output>
      GroupKind: MessageTypeDefinition<_gitfleet_v1_GroupKind, _gitfleet_v1_GroupKind__Output>
      GroupKindList: MessageTypeDefinition<_gitfleet_v1_GroupKindList, _gitfleet_v1_GroupKindList__Output>
      Health: MessageTypeDefinition<_gitfleet_v1_Health, _gitfleet_v1_Health__Output>
      HealthStatus: EnumTypeDefinition
      Heartbeat: MessageTypeDefinition<_gitfleet_v1_Heartbeat, _gitfleet_v1_Heartbeat__Output>
      HeldApp: MessageTypeDefinition<_gitfleet_v1_HeldApp, _gitfleet_v1_HeldApp__Output>
      Hello: MessageTypeDefinition<_gitfleet_v1_Hello, _gitfleet_v1_Hello__Output>
      HubMessage: MessageTypeDefinition<_gitfleet_v1_HubMessage, _gitfleet_v1_HubMessage__Output>
      IgnoreRule: MessageTypeDefinition<_gitfleet_v1_IgnoreRule, _gitfleet_v1_IgnoreRule__Output>
      ObjectRef: MessageTypeDefinition<_gitfleet_v1_ObjectRef, _gitfleet_v1_ObjectRef__Output>
      ObjectResult: MessageTypeDefinition<_gitfleet_v1_ObjectResult, _gitfleet_v1_ObjectResult__Output>
      ObjectSelector: MessageTypeDefinition<_gitfleet_v1_ObjectSelector, _gitfleet_v1_ObjectSelector__Output>
      ProjectScope: MessageTypeDefinition<_gitfleet_v1_ProjectScope, _gitfleet_v1_ProjectScope__Output>
      PrunePolicy: MessageTypeDefinition<_gitfleet_v1_PrunePolicy, _gitfleet_v1_PrunePolicy__Output>
      ResyncPlan: MessageTypeDefinition<_gitfleet_v1_ResyncPlan, _gitfleet_v1_ResyncPlan__Output>
      StatusReport: MessageTypeDefinition<_gitfleet_v1_StatusReport, _gitfleet_v1_StatusReport__Output>
      SyncMode: EnumTypeDefinition
      SyncRequest: MessageTypeDefinition<_gitfleet_v1_SyncRequest, _gitfleet_v1_SyncRequest__Output>
      SyncState: EnumTypeDefinition
      UnmanagedAction: EnumTypeDefinition
      UnmanagedMode: EnumTypeDefinition
      UnmanagedObject: MessageTypeDefinition<_gitfleet_v1_UnmanagedObject, _gitfleet_v1_UnmanagedObject__Output>
      UnmanagedPolicy: MessageTypeDefinition<_gitfleet_v1_UnmanagedPolicy, _gitfleet_v1_UnmanagedPolicy__Output>
      Welcome: MessageTypeDefinition<_gitfleet_v1_Welcome, _gitfleet_v1_Welcome__Output>
    }
  }
}

