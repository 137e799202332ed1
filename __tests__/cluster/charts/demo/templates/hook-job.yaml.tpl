{{- if .Values.hook.enabled }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  labels:
    {{- include "demo.labels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-upgrade
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ .Values.hook.backoffLimit }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: demo-migrate
        app.kubernetes.io/instance: {{ .Release.Name }}
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: {{ .Values.hook.image }}
          env:
            {{- range $name, $value := .Values.hook.env }}
            - name: {{ $name }}
              value: {{ $value | quote }}
            {{- end }}
            - name: SIM_RUN_SECONDS
              value: "1"
{{- end }}
