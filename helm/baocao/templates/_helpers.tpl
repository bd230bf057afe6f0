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
{{- if .Values.pgbouncer.enabled }}
# PgBouncer's socket in the pod: no password, it holds the database's.
- name: BAOCAO_DATABASE__URL
  value: {{ include "baocao.pgbouncerUrl" . | quote }}
{{- else }}
- name: BAOCAO_DATABASE__URL
  valueFrom: { secretKeyRef: { name: {{ include "baocao.secretName" . }}, key: database-url } }
{{- end }}
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

{{/* The settings file, a writable /tmp, the shared files, and PgBouncer's when enabled. */}}
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
{{- if .Values.pgbouncer.enabled }}
- name: pgbouncer-config
  configMap: { name: {{ include "baocao.fullname" . }}-pgbouncer }
- name: pgbouncer-userlist
  secret:
    secretName: {{ include "baocao.secretName" . }}
    items: [{ key: pgbouncer-userlist, path: userlist.txt }]
- name: pgbouncer-socket
  emptyDir: { medium: Memory, sizeLimit: 1Mi }
{{- end }}
{{- end -}}

{{- define "baocao.mounts" -}}
- { name: config, mountPath: /etc/baocao/config, readOnly: true }
- { name: trust, mountPath: /etc/baocao/trust, readOnly: true }
- { name: tmp, mountPath: /tmp }
- { name: files, mountPath: /var/lib/baocao/files }
{{- if .Values.pgbouncer.enabled }}
- { name: pgbouncer-socket, mountPath: /var/run/pgbouncer }
{{- end }}
{{- end -}}

{{/* Where PgBouncer listens in the pod; the URL the instances connect with. */}}
{{- define "baocao.pgbouncerUrl" -}}
{{- printf "postgres://%s@localhost:6432/%s?host=/var/run/pgbouncer" .Values.pgbouncer.user .Values.pgbouncer.database -}}
{{- end -}}

{{/*
PgBouncer as a native sidecar (an init container that keeps running): it is
up before the instance starts and stops after it, so the instance's last
queries on shutdown still reach the database.
*/}}
{{- define "baocao.pgbouncerSidecar" -}}
{{- if .Values.pgbouncer.enabled }}
initContainers:
  - name: pgbouncer
    image: {{ printf "%s:%s" .Values.pgbouncer.image.repository .Values.pgbouncer.image.tag | quote }}
    imagePullPolicy: {{ .Values.pgbouncer.image.pullPolicy }}
    restartPolicy: Always
    command: ["/usr/bin/pgbouncer", "/etc/baocao/pgbouncer/pgbouncer.ini"]
    ports:
      - { name: pgbouncer, containerPort: 6432 }
    # TCP on the pod's address only answers these probes: pg_hba.conf
    # rejects every client that is not on the Unix socket.
    startupProbe:
      tcpSocket: { port: pgbouncer }
      periodSeconds: 1
      failureThreshold: 30
    livenessProbe:
      tcpSocket: { port: pgbouncer }
      periodSeconds: 10
    readinessProbe:
      tcpSocket: { port: pgbouncer }
      periodSeconds: 5
    {{- include "baocao.containerSecurity" . | nindent 4 }}
    resources:
      {{- toYaml .Values.pgbouncer.resources | nindent 6 }}
    volumeMounts:
      - { name: pgbouncer-config, mountPath: /etc/baocao/pgbouncer, readOnly: true }
      - { name: pgbouncer-userlist, mountPath: /etc/baocao/pgbouncer-secret, readOnly: true }
      - { name: pgbouncer-socket, mountPath: /var/run/pgbouncer }
{{- end }}
{{- end -}}
