{{/* Names: the release's, unless the release is already called taskflow. */}}
{{- define "taskflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "taskflow.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component (api, worker, migrations). */}}
{{- define "taskflow.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "taskflow.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "taskflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "taskflow.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "taskflow.databaseSecret" -}}
{{- .Values.database.existingSecret | default (printf "%s-database" (include "taskflow.fullname" .)) -}}
{{- end -}}

{{- define "taskflow.workerTerminationGrace" -}}
{{- .Values.worker.terminationGracePeriodSeconds | default (add .Values.worker.shutdownGracePeriodSeconds 15) -}}
{{- end -}}

{{/* The environment every TaskFlow container gets: the connection string from its Secret, the auth settings, and the
     chart's free-form settings. Called with (dict "root" $ "secret" NAME "migrateOnStart" BOOL "extra" MAP). */}}
{{- define "taskflow.env" -}}
- name: ConnectionStrings__TaskFlow
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .root.Values.database.secretKey }}
- name: TaskFlow__Database__MigrateOnStart
  value: {{ .migrateOnStart | quote }}
{{- with .root.Values.auth.jwt.authority }}
- name: TaskFlow__Auth__Jwt__Authority
  value: {{ . | quote }}
{{- end }}
{{- with .root.Values.auth.jwt.audience }}
- name: TaskFlow__Auth__Jwt__Audience
  value: {{ . | quote }}
{{- end }}
{{- with .root.Values.auth.jwt.issuer }}
- name: TaskFlow__Auth__Jwt__Issuer
  value: {{ . | quote }}
{{- end }}
- name: TaskFlow__Auth__Jwt__RolesClaim
  value: {{ .root.Values.auth.jwt.rolesClaim | quote }}
{{- with .root.Values.auth.existingSecret }}
- name: TaskFlow__Auth__Jwt__SigningKey
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: jwtSigningKey
      optional: true
{{- end }}
{{- range $index, $origin := .root.Values.auth.corsOrigins }}
- name: TaskFlow__Auth__CorsOrigins__{{ $index }}
  value: {{ $origin | quote }}
{{- end }}
{{- range $name, $value := merge (dict) .extra .root.Values.settings }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{- define "taskflow.pod" -}}
serviceAccountName: {{ include "taskflow.serviceAccountName" .root }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  # The root file system is read-only; the runtime's diagnostics sockets go here.
  - name: tmp
    emptyDir: {}
{{- end -}}

{{- define "taskflow.probes" -}}
startupProbe:
  httpGet: { path: /readyz, port: http }
  periodSeconds: 2
  failureThreshold: 60
readinessProbe:
  httpGet: { path: /readyz, port: http }
  periodSeconds: 10
  timeoutSeconds: 3
livenessProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
{{- end -}}
