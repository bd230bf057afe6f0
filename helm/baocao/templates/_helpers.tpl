{{/* The release's resource name prefix. */}}
{{- define "baocao.fullname" -}}
{{- if contains "baocao" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-baocao" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "baocao.labels" -}}
app.kubernetes.io/name: baocao
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selects one component's pods: web, worker or migrate. */}}
{{- define "baocao.selector" -}}
app.kubernetes.io/name: baocao
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "baocao.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) | quote }}
{{- end -}}

{{- define "baocao.secretName" -}}
{{- default (printf "%s-secrets" (include "baocao.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "baocao.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "baocao.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The settings file: the values' settings, with the identity provider when enabled. */}}
{{- define "baocao.settings" -}}
{{- $settings := deepCopy .Values.settings -}}
{{- if .Values.oidc.enabled -}}
{{- $auth := default (dict) (get $settings "auth") -}}
{{- $oidc := dict "issuer" .Values.oidc.issuer "client_id" .Values.oidc.clientId "redirect_url" .Values.oidc.redirectUrl "label" .Values.oidc.label -}}
{{- $_ := set $auth "oidc" $oidc -}}
{{- $_ := set $settings "auth" $auth -}}
{{- end -}}
{{- toToml $settings -}}
{{- end -}}

{{/* Secrets as environment variables; the optional ones may be absent from the Secret. */}}
{{- define "baocao.secretEnv" -}}
- name: BAOCAO_DATABASE__URL
  valueFrom: { secretKeyRef: { name: {{ include "baocao.secretName" . }}, key: database-url } }
- name: BAOCAO_REDIS__URL
  valueFrom: { secretKeyRef: { name: {{ include "baocao.secretName" . }}, key: redis-url } }
- name: BAOCAO_SIGNING__KEY_SECRET
  valueFrom: { secretKeyRef: { name: {{ include "baocao.secretName" . }}, key: signing-key-secret, optional: true } }
- name: BAOCAO_AUTH__OIDC__CLIENT_SECRET
  valueFrom: { secretKeyRef: { name: {{ include "baocao.secretName" . }}, key: oidc-client-secret, optional: true } }
- name: BAOCAO_MAIL__SMTP_URL
  valueFrom: { secretKeyRef: { name: {{ include "baocao.secretName" . }}, key: smtp-url, optional: true } }
{{- end -}}

{{/* Non-root, no privilege escalation, no capabilities, read-only root file system. */}}
{{- define "baocao.containerSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: { drop: [ALL] }
  seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{- define "baocao.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{/* The settings file, a writable /tmp, and the shared files. */}}
{{- define "baocao.volumes" -}}
- name: config
  configMap: { name: {{ include "baocao.fullname" . }}-config }
- name: tmp
  emptyDir: {}
- name: trust
  configMap: { name: {{ .Values.trustConfigMap }}, optional: true }
- name: files
{{- if .Values.persistence.enabled }}
  persistentVolumeClaim: { claimName: {{ default (printf "%s-files" (include "baocao.fullname" .)) .Values.persistence.existingClaim }} }
{{- else }}
  emptyDir: {}
{{- end }}
{{- end -}}

{{- define "baocao.mounts" -}}
- { name: config, mountPath: /etc/baocao/config, readOnly: true }
- { name: trust, mountPath: /etc/baocao/trust, readOnly: true }
- { name: tmp, mountPath: /tmp }
- { name: files, mountPath: /var/lib/baocao/files }
{{- end -}}
