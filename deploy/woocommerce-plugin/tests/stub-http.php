<?php
/**
 * wp_remote_post for the unit tests: recorded in WP_Stub::$http_calls, answered with
 * WP_Stub::$http_response.
 *
 * @package Balas_WhatsApp
 */

function wp_remote_post( $url, $args = array() ) {
	WP_Stub::$http_calls[] = compact( 'url', 'args' );
	return WP_Stub::$http_response;
}
