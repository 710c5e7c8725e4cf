{{- define "gitfleet-hub.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gitfleet-hub.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "gitfleet-hub.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gitfleet-hub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gitfleet-hub.labels" -}}
{{ include "gitfleet-hub.selectorLabels" . }}
app.kubernetes.io/part-of: gitfleet
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "gitfleet-hub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gitfleet-hub.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "gitfleet-hub.redisUrl" -}}
{{- if .Values.redis.url -}}
{{- .Values.redis.url -}}
{{- else if .Values.redis.externalName.enabled -}}
{{- printf "redis://%s-redis:%v" (include "gitfleet-hub.fullname" .) .Values.redis.externalName.port -}}
{{- else -}}
{{- fail "redis: set redis.url, or enable redis.externalName" -}}
{{- end -}}
{{- end -}}
