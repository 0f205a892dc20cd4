<?php
/**
 * wp_remote_post with PHP's own HTTP stream, for the live-*.php scripts that run the plugin's
 * calls against a real Balas: no redirect is followed when the plugin asks for none, and a 4xx or
 * 5xx is an answer, as in WordPress.
 *
 * @package Balas_WhatsApp
 */

function wp_remote_post( $url, $args = array() ) {
	$headers = array();
	foreach ( $args['headers'] as $name => $value ) {
		$headers[] = $name . ': ' . $value;
	}
	$context = stream_context_create(
		array(
			'http' => array(
				'method'          => 'POST',
				'header'          => implode( "\r\n", $headers ),
				'content'         => $args['body'],
				'timeout'         => $args['timeout'],
				'follow_location' => 0 === $args['redirection'] ? 0 : 1,
				'ignore_errors'   => true, // a 4xx is an answer, not a failure
			),
		)
	);
	$body = @file_get_contents( $url, false, $context ); // phpcs:ignore
	$head = function_exists( 'http_get_last_response_headers' ) ? http_get_last_response_headers() : ( $http_response_header ?? null );
	if ( false === $body || empty( $head ) || ! preg_match( '#^HTTP/\S+ (\d{3})#', $head[0], $status ) ) {
		return new WP_Error( 'http_request_failed', 'no HTTP answer from ' . $url );
	}
	return array(
		'response' => array( 'code' => (int) $status[1] ),
		'body'     => $body,
	);
}
