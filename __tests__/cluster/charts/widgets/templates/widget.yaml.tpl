apiVersion: demo.example.com/v1
kind: Widget
metadata:
  name: {{ .Release.Name }}-widget
  labels:
    app.kubernetes.io/name: widgets
    app.kubernetes.io/instance: {{ .Release.Name }}
spec:
  size: {{ .Values.size }}
  color: {{ .Values.color | quote }}
