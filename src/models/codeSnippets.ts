/**
 * "Copy as code": Python that sends exactly the request the playground sent, to the SageMaker endpoint,
 * with boto3 (`invoke_endpoint`) or the SageMaker Python SDK (`Predictor.predict`).
 *
 * The payload is always the server's (chat rendered with its Llama 2 template): the answer's
 * `sagemaker_payload`, or `POST /sagemaker-payload` for a request that has no answer yet.
 */
import {
  IInvocationRequest,
  IInvocationResult,
  ISageMakerPayload
} from '../api/types';

/**
 * The body SageMaker receives for a request: the answer's `sagemaker_payload`, else the server renders it
 * (`POST /sagemaker-payload`, chat with its one Llama 2 template) without invoking anything.
 */
export async function sagemakerPayload(
  request: IInvocationRequest,
  result: Pick<IInvocationResult, 'sagemaker_payload'> | null | undefined,
  render: (request: IInvocationRequest) => Promise<ISageMakerPayload>
): Promise<ISageMakerPayload> {
  return result?.sagemaker_payload ?? render(request);
}

/** A Python string literal (double-quoted; JSON's escapes are all valid Python escapes). */
export function pythonString(value: string): string {
  return JSON.stringify(value);
}

/** A JSON value as a Python literal (True/False/None), indented like black would. */
export function toPythonLiteral(value: unknown, indent = 0): string {
  const pad = '    '.repeat(indent + 1);
  const end = '    '.repeat(indent);
  if (value === null || value === undefined) {
    return 'None';
  }
  if (value === true) {
    return 'True';
  }
  if (value === false) {
    return 'False';
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? String(value) : 'None';
  }
  if (typeof value === 'string') {
    return pythonString(value);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return '[]';
    }
    const items = value.map(
      item => `${pad}${toPythonLiteral(item, indent + 1)},`
    );
    return `[\n${items.join('\n')}\n${end}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, item]) => item !== undefined
    );
    if (entries.length === 0) {
      return '{}';
    }
    const items = entries.map(
      ([key, item]) =>
        `${pad}${pythonString(key)}: ${toPythonLiteral(item, indent + 1)},`
    );
    return `{\n${items.join('\n')}\n${end}}`;
  }
  return 'None';
}

/** boto3 `sagemaker-runtime` `invoke_endpoint` for exactly this payload. */
export function boto3Snippet(
  endpointName: string,
  payload: ISageMakerPayload,
  region?: string | null
): string {
  const client = region
    ? `runtime = boto3.client("sagemaker-runtime", region_name=${pythonString(region)})`
    : 'runtime = boto3.client("sagemaker-runtime")';
  return [
    'import json',
    '',
    'import boto3',
    '',
    client,
    `payload = ${toPythonLiteral(payload)}`,
    'response = runtime.invoke_endpoint(',
    `    EndpointName=${pythonString(endpointName)},`,
    '    ContentType="application/json",',
    '    Accept="application/json",',
    '    CustomAttributes="accept_eula=true",',
    '    Body=json.dumps(payload),',
    ')',
    'result = json.loads(response["Body"].read())',
    'print(result["generated_text"])',
    ''
  ].join('\n');
}

/** SageMaker Python SDK `Predictor(...).predict(payload, custom_attributes="accept_eula=true")`. */
export function sagemakerSdkSnippet(
  endpointName: string,
  payload: ISageMakerPayload
): string {
  return [
    'from sagemaker.deserializers import JSONDeserializer',
    'from sagemaker.predictor import Predictor',
    'from sagemaker.serializers import JSONSerializer',
    '',
    'predictor = Predictor(',
    `    endpoint_name=${pythonString(endpointName)},`,
    '    serializer=JSONSerializer(),',
    '    deserializer=JSONDeserializer(),',
    ')',
    `payload = ${toPythonLiteral(payload)}`,
    'result = predictor.predict(payload, custom_attributes="accept_eula=true")',
    'print(result["generated_text"])',
    ''
  ].join('\n');
}

export interface ICodeSnippets {
  payload: ISageMakerPayload;
  boto3: string;
  sagemakerSdk: string;
}

/** Both snippets for one payload. */
export function buildCodeSnippets(options: {
  endpointName: string;
  payload: ISageMakerPayload;
  region?: string | null;
}): ICodeSnippets {
  const { payload } = options;
  return {
    payload,
    boto3: boto3Snippet(options.endpointName, payload, options.region),
    sagemakerSdk: sagemakerSdkSnippet(options.endpointName, payload)
  };
}
