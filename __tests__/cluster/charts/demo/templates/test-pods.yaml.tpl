{{- range $name, $env := .Values.tests }}
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ $.Release.Name }}-test-{{ $name }}
  annotations:
    helm.sh/hook: test
spec:
  restartPolicy: Never
  containers:
    - name: test
      image: {{ $.Values.image }}
      env:
        {{- range $key, $value := $env }}
        - name: {{ $key }}
          value: {{ $value | quote }}
        {{- end }}
        - name: SIM_RUN_SECONDS
          value: "1"
{{- end }}
