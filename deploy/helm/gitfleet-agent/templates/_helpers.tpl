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
  rules, past its local policy (docs/security.md).
*/}}
{{- define "gitfleet-agent.rules" -}}
{{- range $i, $r := .Values.rbac.rules }}
{{- with $r }}
{{- range (default $.Values.rbac.verbs .verbs) }}
{{- if has . (list "*" "escalate" "bind" "impersonate") }}
{{- fail (printf "rbac: the verb %q is never granted to the agent (docs/security.md)" .) }}
{{- end }}
{{- end }}
{{- if $i }}{{ "\n" }}{{ end -}}
- apiGroups: {{ toJson .apiGroups }}
  resources: {{ toJson (required "rbac.rules[]: every rule needs resources" .resources) }}
  {{- with .resourceNames }}
  resourceNames: {{ toJson . }}
  {{- end }}
  verbs: {{ toJson (default $.Values.rbac.verbs .verbs) }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "gitfleet-agent.subject" -}}
- kind: ServiceAccount
  name: {{ include "gitfleet-agent.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end -}}
