{{- define "gitfleet-agent.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gitfleet-agent.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "gitfleet-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gitfleet-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gitfleet-agent.labels" -}}
{{ include "gitfleet-agent.selectorLabels" . }}
app.kubernetes.io/part-of: gitfleet
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "gitfleet-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gitfleet-agent.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
  The managed-kind rules, each with the default verbs unless it has its own. Never escalate, bind,
  impersonate or "*": with them a compromised agent could grant itself (or anyone) more than its
  rules, past its local policy (docs/security.md). Called with (dict "root" $ "namespaced" bool):
  rules for a Role in one namespace leave out `namespaces`, which is cluster-scoped.
*/}}
{{- define "gitfleet-agent.rules" -}}
{{- $root := .root }}
{{- $namespaced := .namespaced }}
{{- $first := true }}
{{- range $root.Values.rbac.rules }}
{{- with . }}
{{- range (default $root.Values.rbac.verbs .verbs) }}
{{- if has . (list "*" "escalate" "bind" "impersonate") }}
{{- fail (printf "rbac: the verb %q is never granted to the agent (docs/security.md)" .) }}
{{- end }}
{{- end }}
{{- $resources := required "rbac.rules[]: every rule needs resources" .resources }}
{{- if and $namespaced (has "" .apiGroups) }}
{{- $resources = without $resources "namespaces" }}
{{- end }}
{{- if $resources }}
{{- if not $first }}{{ "\n" }}{{ end }}
{{- $first = false -}}
- apiGroups: {{ toJson .apiGroups }}
  resources: {{ toJson $resources }}
  {{- with .resourceNames }}
  resourceNames: {{ toJson . }}
  {{- end }}
  verbs: {{ toJson (default $root.Values.rbac.verbs .verbs) }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
  The namespaces the agent manages, as JSON: policy.namespaces (the policy confines the agent to
  them) or else rbac.managedNamespaces (RBAC alone does); empty: cluster-wide. Fails on a pattern,
  on the release's own namespace, and on the two lists disagreeing.
*/}}
{{- define "gitfleet-agent.managedNamespaces" -}}
{{- $policy := .Values.policy.namespaces | default list }}
{{- $rbac := .Values.rbac.managedNamespaces | default list }}
{{- if and $policy $rbac (ne (toJson $policy) (toJson $rbac)) }}
{{- fail "policy.namespaces and rbac.managedNamespaces differ: set policy.namespaces only (it renders the Roles too)" }}
{{- end }}
{{- range $policy }}
{{- if contains "*" . }}
{{- fail (printf "policy.namespaces: %q is a pattern; list namespaces by name (a pattern needs cluster-wide watches: set policy.deny/allow instead)" .) }}
{{- end }}
{{- if eq . $.Release.Namespace }}
{{- fail (printf "policy.namespaces: %q is the agent's own namespace, which it never manages" .) }}
{{- end }}
{{- end }}
{{- if $policy }}
{{- with $.Values.policy.allow }}
{{- with .clusterScopedKinds }}
{{- fail "policy.namespaces with policy.allow.clusterScopedKinds: cluster-scoped objects need cluster-wide RBAC and watches" }}
{{- end }}
{{- with .namespaces }}
{{- fail "policy.namespaces with policy.allow.namespaces: list every namespace in policy.namespaces" }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson (default $rbac $policy) }}
{{- end -}}

{{- define "gitfleet-agent.subject" -}}
- kind: ServiceAccount
  name: {{ include "gitfleet-agent.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end -}}
